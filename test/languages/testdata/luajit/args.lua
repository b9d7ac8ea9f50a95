print(table.concat(arg, " "))
