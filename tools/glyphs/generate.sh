#!/usr/bin/env bash
# Regenerates crates/geocommun-server/glyphs/: the glyph ranges of Noto Sans (Regular, Bold,
# Italic) that the map style's labels use, from Debian's fonts-noto-core, with its licence
# (SIL Open Font License 1.1). The files are committed: building or running geocommun never
# needs this step, a font or the network.
set -euo pipefail
cd "$(dirname "$0")/../.."
noto=/usr/share/fonts/truetype/noto
if [ ! -f "$noto/NotoSans-Regular.ttf" ]; then
  apt-get update -qq
  apt-get install -y -qq fonts-noto-core >/dev/null
fi
out=crates/geocommun-server/glyphs
rm -rf "$out"
mkdir -p "$out"
cargo run --quiet --release --manifest-path tools/glyphs/Cargo.toml -- "$out" \
  "$noto/NotoSans-Regular.ttf" "$noto/NotoSans-Bold.ttf" "$noto/NotoSans-Italic.ttf"
{
  echo "Glyphs rendered from Noto Sans (Debian package fonts-noto-core $(dpkg-query -W -f='${Version}' fonts-noto-core))"
  echo "by tools/glyphs. Noto is licensed under the SIL Open Font License 1.1; its Debian"
  echo "copyright file, with the licence text, follows."
  echo
  cat /usr/share/doc/fonts-noto-core/copyright
} > "$out/LICENSE.txt"
rustfmt --edition 2024 "$out/index.rs"
echo "wrote $out"
