program args
    implicit none
    integer :: i, n
    character(len=256) :: arg
    n = command_argument_count()
    do i = 1, n
        call get_command_argument(i, arg)
        if (i > 1) write(*, '(A)', advance='no') ' '
        write(*, '(A)', advance='no') trim(arg)
    end do
    write(*, '(A)') ''
end program args
