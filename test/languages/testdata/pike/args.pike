int main(int argc, array(string) argv)
{
    // argv[0] is the program's file name.
    write(argv[1..] * " " + "\n");
    return 0;
}
