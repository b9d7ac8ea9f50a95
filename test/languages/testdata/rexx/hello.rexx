say "Hello, World!"
