# env.sh: sourced by the Makefile so a Rust toolchain installed by bootstrap.sh (~/.cargo) is on PATH.
if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
    . "$HOME/.cargo/env"
fi
