(display "Hello, World!\n")
