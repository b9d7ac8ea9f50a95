program echo
    implicit none
    character :: c
    integer :: in, ios
    open(newunit=in, file='/dev/stdin', access='stream', form='unformatted', action='read')
    do
        read(in, iostat=ios) c
        if (ios /= 0) exit
        write(*, '(A)', advance='no') c
    end do
end program echo
