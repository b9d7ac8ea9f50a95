public class Main {
    public static void main(String[] args) {
        System.out.println("SHOULD-NOT-RUN");
        int x = "not an int";
        System.out.println(x);
    }
}
