import util.Strings;

public class Main {
    public static void main(String[] args) {
        System.out.println(Strings.shout(Helper.word()));
    }
}
