/* charin returns up to 4096 characters; reading at the end of the input
   makes the stream NOTREADY. */
do until stream('<stdin>') \= 'READY'
    call charout , charin(, , 4096)
end
