fn main() {
    println!("SHOULD-NOT-RUN");
    let x: i32 = "not an int";
    println!("{}", x);
}
