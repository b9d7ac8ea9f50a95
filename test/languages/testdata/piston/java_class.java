// Not public: javac takes it under any file name. The first top-level class
// is a helper without main; the launcher's rule would fail on it, ours runs
// the first class that has a main method.
class Greeting {
    static String text() { return "OK"; }
}

class Program {
    public static void main(String[] args) {
        System.out.println(Greeting.text());
    }
}
