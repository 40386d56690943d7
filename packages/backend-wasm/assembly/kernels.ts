// Entry point of the AssemblyScript kernels of @deeplens/backend-wasm (compiled twice: plain
// 128-bit SIMD, and with relaxed SIMD for fused multiply-adds). Every pointer is a byte offset into
// the one shared memory; kernels taking a range compute only that part so threads can split a call.
export { gemm, gemm_depth_block, gemm_depth_group, gemm_panel_cols, gemm_row_block, gemm_scratch_floats, gemm_strip_rows, pack_b } from './gemm';
export { encode_top_k, encode_scratch_floats, top_k_abs } from './top-k';
export { encode_top_k_screened, quant_w_bytes, quantize_scratch_floats, quantize_w, screen_scratch_bytes, screen_stats_offset } from './screened-top-k';
export { matvec, sampled_matmul, sparse_by_column, sparse_matmul, sparse_transpose_matmul } from './sparse';
export {
  activation, activation_grad, adam, add_row_vector, binary, normalize_rows, reduce_all, reduce_cols, reduce_rows, scale, sign,
} from './elementwise';
export { transpose } from './transpose';
