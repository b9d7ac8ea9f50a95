puts [join $argv " "]
