//! Build script: records which cargo features this build has, for `reel --version`.

fn main() {
    let mut features: Vec<String> = std::env::vars()
        .filter_map(|(k, _)| {
            k.strip_prefix("CARGO_FEATURE_")
                .map(|f| f.to_lowercase().replace('_', "-"))
        })
        .filter(|f| f != "default")
        .collect();
    features.sort();
    println!("cargo:rustc-env=REEL_FEATURES={}", features.join(","));
    println!("cargo:rerun-if-changed=build.rs");
}
