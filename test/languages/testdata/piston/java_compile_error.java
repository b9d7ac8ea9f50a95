public class HelloWorld {
    public static void main(String[] args) {
        System.out.println("SHOULD-NOT-RUN");
        int x = "not a number";
    }
}
