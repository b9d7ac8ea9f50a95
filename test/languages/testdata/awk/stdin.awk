BEGIN { RS = "^$"; ORS = "" }
{ print }
