program hello
    print '(A)', 'Hello, World!'
end program hello
