// A class and a companion-less helper before the object with main.
class Counter(val n: Int)

object Words {
  val ok = "OK"
}

object Program {
  def main(args: Array[String]): Unit = {
    println(Words.ok)
  }
}
