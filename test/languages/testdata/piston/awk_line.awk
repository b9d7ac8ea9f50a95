{print "OK"}
