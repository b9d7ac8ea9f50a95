using System;

class Program {
    static void Main() {
        using (var stdin = Console.OpenStandardInput())
        using (var stdout = Console.OpenStandardOutput()) {
            stdin.CopyTo(stdout);
        }
    }
}
