int main()
{
    // main's return value is the exit status.
    return 3;
}
