print("Hello, World!");
