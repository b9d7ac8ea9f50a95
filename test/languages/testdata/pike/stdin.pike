int main()
{
    // read() without a length reads everything up to the end of input.
    write(Stdio.stdin->read());
    return 0;
}
