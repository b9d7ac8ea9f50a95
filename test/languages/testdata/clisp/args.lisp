(format t "~{~A~^ ~}~%" ext:*args*)
