;; Bytes in, bytes out, on streams of their own: CLISP's *standard-output*
;; would add a newline at exit after a last line without one.
(let ((in (ext:make-stream :input :element-type '(unsigned-byte 8)))
      (out (ext:make-stream :output :element-type '(unsigned-byte 8)))
      (buf (make-array 4096 :element-type '(unsigned-byte 8))))
  (loop for n = (read-sequence buf in)
        while (plusp n)
        do (write-sequence buf out :end n))
  (finish-output out))
