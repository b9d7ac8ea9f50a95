; Bytes in, bytes out: no character decoding on the way.
(let ((buf (make-u8vector 4096)))
  (let loop ()
    (let ((n (read-subu8vector buf 0 4096 (current-input-port) 1)))
      (if (> n 0)
          (begin (write-subu8vector buf 0 n (current-output-port)) (loop))))))
