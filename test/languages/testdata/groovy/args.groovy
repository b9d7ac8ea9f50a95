println args.join(" ")
