def greeting() -> str:
    return "hello from the layer"
