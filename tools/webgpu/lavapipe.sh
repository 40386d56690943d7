#!/usr/bin/env bash
# Mesa's lavapipe (a Vulkan driver on the CPU) for Dawn in Node, without root changes: the packages
# from bookworm-backports are downloaded with a private apt configuration (the system's sources,
# lists and dpkg state are untouched) and unpacked into a folder. Prints the folder.
#   bash tools/webgpu/lavapipe.sh [DIR]   (default: tools/webgpu/.cache/lavapipe)
# Then:  LD_LIBRARY_PATH=$DIR/usr/lib/x86_64-linux-gnu VK_ICD_FILENAMES=$DIR/lvp_icd.json node …
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here/.cache/lavapipe}
if [ -f "$dir/lvp_icd.json" ]; then echo "$dir"; exit 0; fi
apt_dir=$(mktemp -d)
trap 'rm -rf "$apt_dir"' EXIT
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$dir"
cat > "$apt_dir/sources.list" <<'LIST'
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main
LIST
opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
apt-get "${opts[@]}" -qq update >&2
(cd "$apt_dir" && apt-get "${opts[@]}" -qq download mesa-vulkan-drivers/bookworm-backports libdrm2/bookworm-backports \
  libdrm-amdgpu1/bookworm-backports libdrm-common/bookworm-backports libvulkan1 >&2)
for f in "$apt_dir"/*.deb; do dpkg-deb -x "$f" "$dir"; done
sed "s#\"library_path\": \"libvulkan_lvp.so\"#\"library_path\": \"$dir/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so\"#" \
  "$dir/usr/share/vulkan/icd.d/lvp_icd.x86_64.json" > "$dir/lvp_icd.json" 2>/dev/null \
  || sed "s#\"library_path\": \"libvulkan_lvp.so\"#\"library_path\": \"$dir/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so\"#" "$dir/usr/share/vulkan/icd.d/lvp_icd.json" > "$dir/lvp_icd.json"
echo "$dir"
