import scala.collection.mutable.ListBuffer

// Scala 3's entry point, as Piston's Scala 3 test writes it; Debian's
// Scala 2.11 has no @main, and the runtime wraps it in an object.
@main def greet(): Unit = {
  val words = ListBuffer("O", "K")
  println(words.mkString)
}
