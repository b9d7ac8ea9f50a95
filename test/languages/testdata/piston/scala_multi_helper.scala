object Helper {
  def greeting: String = "OK"

  def main(args: Array[String]): Unit = println("Helper is not the entrypoint")
}
