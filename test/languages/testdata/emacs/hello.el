(princ "Hello, World!\n")
