fn main() {
    println!("gameday");
}
