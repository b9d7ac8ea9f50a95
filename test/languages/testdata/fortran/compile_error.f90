program broken
    integer :: x
    print '(A)', 'SHOULD-NOT-RUN'
    x = 'not an int'
    print *, x
end program broken
