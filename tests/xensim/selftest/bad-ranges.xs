servers == 1
ranges ioport == 1
