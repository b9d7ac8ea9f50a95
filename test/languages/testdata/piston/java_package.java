package demo.app;

/* public class Fake { in a comment */
public class HelloWorld {
    static final char BRACE = '{';
    static final String TEXT = "class Nope { \" }";

    public static void main(String[] args) {
        System.out.println("OK");
    }
}
