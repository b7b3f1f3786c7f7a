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
# fast: least squares, deterministic (no random sampling; sums in a fixed order), no seed involved.
# quality: the CNN of src/vision/sr/cnn.rs at every scale (SR_CNN_SCALES, default "2 3 4"), trained by
# bench/sr/train.py on top of the fast filters just trained: PyTorch on the CPU, one thread, seed 1,
# deterministic algorithms, Adam at 5e-4 with a cosine schedule, batches of 16 patches of 40x40 low-resolution
# pixels; 20000 steps at x2 and 10000 at x3 and x4 (SR_STEPS overrides). Each export is checked against the Rust
# implementation (sr_train --model cnn-parity, largest difference about 1e-7). The same PyTorch version (2.15.0)
# and thread count give the same weights. Scales left out of SR_CNN_SCALES get the older refinement bank
# instead (sr_train --model refine: same-size filters on the fast output, least squares, deterministic).
# Run time on this 2-core machine: about 25 s for fast; about 0.115 s per CNN step on one free core, so about
# 40 min for x2 and 20 min each for x3 and x4 (about 80 min in all; the two cores can run two scales at once).
# Set SR_VENV to reuse a virtual environment (torch's default PyPI wheel pulls its CUDA libraries, about 5 GB,
# though only the CPU is used).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=${SR_VENV:-target/sr-train-venv}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q scikit-image==0.26.0 torch==2.15.0
fi
data=$("$venv/bin/python" -c 'import os, skimage.data; print(os.path.dirname(skimage.data.__file__))')
images=()
for name in astronaut.png camera.png chelsea.png coffee.png coins.png hubble_deep_field.jpg retina.jpg \
    rocket.jpg brick.png grass.png gravel.png text.png; do
    images+=("$data/$name")
done
out=src/vision/sr/weights
cargo build --release --example sr_train
/usr/bin/time -f "fast: %e s wall, %U s user" target/release/examples/sr_train --model fast --out "$out" "${images[@]}"
cnn_data=target/sr-cnn
cnn_scales=${SR_CNN_SCALES-2 3 4}
if [ -n "$cnn_scales" ]; then
    target/release/examples/sr_train --model cnn-data --fast "$out" --out "$cnn_data" "${images[@]}"
fi
refine_scales=$(for s in 2 3 4; do [[ " $cnn_scales " == *" $s "* ]] || echo "$s"; done | paste -sd,)
if [ -n "$refine_scales" ]; then
    /usr/bin/time -f "refine: %e s wall, %U s user" target/release/examples/sr_train --model refine \
        --scales "$refine_scales" --out "$out" "${images[@]}"
fi
for scale in $cnn_scales; do
    default_steps=$([ "$scale" = 2 ] && echo 20000 || echo 10000)
    /usr/bin/time -f "quality x$scale: %e s wall, %U s user" nice "$venv/bin/python" bench/sr/train.py \
        --scale "$scale" --steps "${SR_STEPS:-$default_steps}" --lr 5e-4 --threads 1 --data "$cnn_data" --out "$out"
    target/release/examples/sr_train --model cnn-parity "$out/quality_x$scale.bin" "$cnn_data/parity_x$scale.f32"
done
(cd "$out" && sha256sum fast_x2.bin fast_x3.bin fast_x4.bin quality_x2.bin quality_x3.bin quality_x4.bin > SHA256SUMS)
cat "$out/SHA256SUMS"
