using System;

class Program {
    static void Main() {
        Console.WriteLine("SHOULD-NOT-RUN");
        int x = "not an int";
        Console.WriteLine(x);
    }
}
