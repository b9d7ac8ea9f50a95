; Bytes in, bytes out: no transcoding on the way.
(let ((data (get-bytevector-all (standard-input-port)))
      (out (standard-output-port)))
  (unless (eof-object? data)
    (put-bytevector out data))
  (flush-output-port out))
