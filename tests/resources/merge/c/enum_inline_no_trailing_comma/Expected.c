enum color { RED, GREEN, BLUE, CYAN };
