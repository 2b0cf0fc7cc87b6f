//! Prints the layers f2b-extract reads from one message file (a debugging aid).
fn main() {
    let path = std::env::args().nth(1).expect("usage: layers FILE");
    let bytes = std::fs::read(path).expect("readable file");
    let layer = f2b_extract::bounce::Unwrapper::new().read(&bytes);
    println!("{layer:#?}");
}
