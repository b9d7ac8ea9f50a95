/* Regina passes the command line's arguments as one string, joined by
   single spaces. */
say arg(1)
