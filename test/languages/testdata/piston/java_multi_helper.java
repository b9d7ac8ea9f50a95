public class Helper {
    public static void main(String[] args) {
        System.out.println("Helper is not the entrypoint");
    }

    static String word() { return "ok"; }
}
