object HelloWorld extends App {
  println("OK")
}
