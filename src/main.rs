fn main() {
    if let Err(error) = zhitong::cli::main() {
        eprintln!("zhitong: {error:#}");
        std::process::exit(1);
    }
}
