#!/usr/bin/env bash
# Regenerates the `reel sr` weights (src/vision/sr/weights/*.bin and SHA256SUMS) from scikit-image's images.
#
# Training images: the photographs and textures bundled in the scikit-image 0.26.0 wheel (PyPI), licences as
# its skimage/data/_fetchers.py states them:
#   astronaut.png          NASA, public domain           camera.png   CC0 (Lav Varshney)
#   chelsea.png            CC0 (Stefan van der Walt)      coffee.png   CC0 (Rachel Michetti)
#   coins.png              Brooklyn Museum, no known copyright restrictions
#   hubble_deep_field.jpg  NASA, public domain           retina.jpg   CC0 1.0 (Häggström)
#   rocket.jpg             SpaceX, public domain         text.png     public domain
#   brick.png, gravel.png  CC0 (CC0Textures)             grass.png    CC0 (DeviantArt linolafett)
# Never the evaluation sets (Set5, Set14). Each image is used in its 8 rotations/reflections.
#
# Deterministic (no random sampling; sums in a fixed order), so no seed is involved: re-running gives the
# same files. Run time on this 2-core machine: about 25 s (fast) + 2.5 min (quality) of training after the
# build; set SR_VENV to reuse a virtual environment.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=${SR_VENV:-target/sr-train-venv}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q scikit-image==0.26.0
fi
data=$("$venv/bin/python" -c 'import os, skimage.data; print(os.path.dirname(skimage.data.__file__))')
images=()
for name in astronaut.png camera.png chelsea.png coffee.png coins.png hubble_deep_field.jpg retina.jpg \
    rocket.jpg brick.png grass.png gravel.png text.png; do
    images+=("$data/$name")
done
out=src/vision/sr/weights
cargo build --release --example sr_train
for model in fast quality; do
    /usr/bin/time -f "$model: %e s wall, %U s user" target/release/examples/sr_train --model "$model" --out "$out" "${images[@]}"
done
(cd "$out" && sha256sum fast_x2.bin fast_x3.bin fast_x4.bin quality_x2.bin quality_x3.bin quality_x4.bin > SHA256SUMS)
cat "$out/SHA256SUMS"
