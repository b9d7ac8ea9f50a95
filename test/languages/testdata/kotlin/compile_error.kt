fun main() {
    println("SHOULD-NOT-RUN")
    val x: Int = "not an int"
    println(x)
}
