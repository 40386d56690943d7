/** dst [cols, rows] = transpose of src [rows, cols], for source rows [r0, r1), in 32×32 tiles. */
export function transpose(src: usize, rows: i32, cols: i32, dst: usize, r0: i32, r1: i32): void {
  for (let rb = r0; rb < r1; rb += 32) {
    const re = min(r1, rb + 32);
    for (let cb = 0; cb < cols; cb += 32) {
      const ce = min(cols, cb + 32);
      for (let r = rb; r < re; r++) {
        const s = src + (<usize>r * cols << 2);
        for (let c = cb; c < ce; c++) store<f32>(dst + ((<usize>c * rows + r) << 2), load<f32>(s + (<usize>c << 2)));
      }
    }
  }
}
