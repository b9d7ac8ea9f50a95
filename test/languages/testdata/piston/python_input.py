print(input() == "")
