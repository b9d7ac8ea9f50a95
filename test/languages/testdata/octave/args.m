args = argv();
printf("%s\n", strjoin(args', " "));
