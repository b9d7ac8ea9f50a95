quit(3);
