say @*ARGS.join(" ");
