print(arguments.join(" "));
