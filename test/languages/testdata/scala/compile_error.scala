object Main {
  def main(args: Array[String]): Unit = {
    println("SHOULD-NOT-RUN")
    val x: Int = "not an int"
    println(x)
  }
}
